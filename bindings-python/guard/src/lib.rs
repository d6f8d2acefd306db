//! `#[guarded]`: the panic boundary of the Python binding.
//!
//! Put on a `#[pymethods]` impl block or a `#[pyfunction]`, it runs the body
//! of every function inside `crate::guard::result` (a function returning
//! `PyResult`) or `crate::guard::value` (any other return type, which becomes
//! `PyResult<T>`). A panic then reaches Python as `sessiontimer.InternalError`
//! (a `SessionTimerError`), never as pyo3's `PanicException`, which derives
//! from `BaseException` and so escapes a host's `except Exception`.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, Block, Item, ReturnType, Signature, Type};

/// Wraps every function of an impl block, or one function, in the binding's
/// panic guard.
#[proc_macro_attribute]
pub fn guarded(_args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item = parse_macro_input!(input as Item);
    match &mut item {
        Item::Impl(block) => {
            for member in &mut block.items {
                if let syn::ImplItem::Fn(function) = member {
                    guard(&mut function.sig, &mut function.block);
                }
            }
        }
        Item::Fn(function) => guard(&mut function.sig, &mut function.block),
        other => {
            return syn::Error::new_spanned(other, "#[guarded] goes on an impl block or a fn")
                .to_compile_error()
                .into()
        }
    }
    quote!(#item).into()
}

/// Rewrites one function: its body runs in a closure under the guard.
fn guard(signature: &mut Signature, body: &mut Block) {
    let (output, helper): (Type, _) = match &signature.output {
        ReturnType::Default => (parse_quote!(()), quote!(value)),
        ReturnType::Type(_, ty) if returns_result(ty) => ((**ty).clone(), quote!(result)),
        ReturnType::Type(_, ty) => ((**ty).clone(), quote!(value)),
    };
    let wrapped: Block = parse_quote!({
        crate::guard::#helper(move || -> #output #body)
    });
    if helper.to_string() == "value" {
        signature.output = parse_quote!(-> ::pyo3::PyResult<#output>);
    }
    *body = wrapped;
}

/// Whether a return type is already a `PyResult` (or a `Result`).
fn returns_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident == "PyResult" || last.ident == "Result"),
        _ => false,
    }
}
