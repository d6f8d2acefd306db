//! Hard limits on what a peer can make the library do. Each is enforced with a
//! typed error, so a hostile peer costs bounded work and memory.

/// The longest Session-Expires or Min-SE value accepted, in bytes.
pub const MAX_HEADER_VALUE_LEN: usize = 1024;

/// The most parameters accepted on one Session-Expires or Min-SE value.
pub const MAX_PARAMS: usize = 16;

/// The most 422 retries any policy may allow.
pub const MAX_422_RETRIES: u8 = 16;
