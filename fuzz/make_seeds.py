#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into fuzz/seeds/<target>/.

Sources:
- the header rows of the RFC 4028 checklist's parser vectors (P1-P19) and
  acceptance vectors (V01-V100), read from the checklist when it is given
  (``--checklist PATH``) and otherwise from the rows kept below;
- messages written in the manner of RFC 4475's torture tests (folding all
  over, LWS around colons and semicolons, any case, compact forms, leading
  zeros, escaped quotes, unknown headers with odd values, bare LF, NUL and
  DEL bytes, huge values), each carrying session-timer headers;
- snapshots built from the layout documented in core/src/engine/snapshot.rs.

The output is committed; run this again after changing it:
    python3 fuzz/make_seeds.py [--checklist ../shared/reference/rfc4028-checklist.md]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Rows from the checklist's tables, kept so that a clone without the
# checklist still regenerates the same seeds.
KEPT_ROWS = [
    "Session-Expires: 1800",
    "x: 1800;refresher=uac",
    "SESSION-EXPIRES :  1800 ; Refresher = UAS",
    "Session-Expires: 1800;refresher=uac;foo=bar;baz",
    "Session-Expires: 0090",
    "Session-Expires: 1800;refresher=uac;refresher=uas",
    "Session-Expires: 1800;refresher=xyz",
    "Session-Expires: abc",
    "Session-Expires: -5",
    "Session-Expires: 18.5",
    "Session-Expires: 1e3",
    "Session-Expires: 99999999999999999999",
    "Session-Expires: 1800, 900",
    "Min-SE: 90;foo=1",
    "Min-SE: 60",
    "Session-Expires: 30",
    "y: 90",
    "k: TIMER",
    "Supported: timer",
    "Require: timer",
    "Proxy-Require: timer",
    "Unsupported: timer",
    "Allow: INVITE, ACK, BYE, UPDATE",
    "Min-SE: 1800",
    "Session-Expires: 3600",
    "Session-Expires: 1800;refresher=uas",
    'Session-Expires: 1800;refresher=uac;note="a;b,c\\"d"',
]


def checklist_rows(path: Path | None) -> list[str]:
    """Every backquoted `Name: value` of the checklist's vector tables."""
    rows = list(KEPT_ROWS)
    if path is None or not path.exists():
        return rows
    for line in path.read_text().splitlines():
        if re.match(r"\| (P|V)\d+ ", line):
            for item in re.findall(r"`([^`]+)`", line):
                name, sep, _ = item.partition(":")
                if sep and re.fullmatch(r"[A-Za-z-]+ *", name) and item not in rows:
                    rows.append(item.replace("\\r\\n", "\r\n"))
    return rows


REQUEST = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
RESPONSE_422 = "SIP/2.0 422 Session Interval Too Small\r\n"
RESPONSE_200 = "SIP/2.0 200 OK\r\n"
COMMON = (
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-seed\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
    "To: <sip:bob@127.0.0.1>\r\n"
    "Call-ID: seed@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
)

# In the manner of RFC 4475 section 3.1 (valid but tortuous) and 3.1.2
# (invalid): written for this project, with session-timer headers.
TORTURE = [
    # Folding all over, LWS around colons and semicolons, odd case.
    "INVITE sip:bob@127.0.0.1;unknownparam SIP/2.0\r\n"
    "tO :\r\n <sip:bob@127.0.0.1> ;   tag    = 77\r\n"
    "fRoM   : \"A \\\\\\\"B\\\"\" <sip:a@127.0.0.1>\r\n  ;\r\n  tag = x9\r\n"
    "MaX-fOrWaRdS: 0068\r\n"
    "cseq: 0009\r\n  INVITE\r\n"
    "sEsSiOn-ExPiReS   :\r\n  1800\r\n ;  ReFrEsHeR\r\n =  UaC\r\n"
    "mIn-Se :  0090 ; x\r\n"
    "k : 100rel ,\r\n timer\r\n"
    "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
    "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
    "l: 0\r\n\r\n",
    # Compact and long forms of the same header, both lists.
    REQUEST + "x: 1800\r\nSession-Expires: 900\r\nk: timer\r\nSupported: path\r\n\r\n",
    # Bare LF line ends, tabs as LWS.
    "UPDATE sip:bob@127.0.0.1 SIP/2.0\nSession-Expires:\t90\t;\trefresher=uas\nSupported:\ttimer\n\n",
    # A response with a 422 and a huge Min-SE.
    RESPONSE_422 + COMMON + "Min-SE: 4294967296\r\n\r\n",
    RESPONSE_422 + COMMON + "Min-SE: 000000000000000000000000000000000000000001800\r\n\r\n",
    RESPONSE_422 + COMMON + "\r\n",
    RESPONSE_200 + COMMON + "Require: timer\r\nSession-Expires: 1800;refresher=uac\r\n\r\nv=0\r\n",
    # Escaped and quoted parameters with separators inside.
    REQUEST + 'Session-Expires: 1800;refresher="uac;x";p="\\\\";q=[::1]\r\nSupported: timer\r\n\r\n',
    # NUL, DEL and UTF-8 in values; a header line without a colon.
    REQUEST + "Session-Expires: 18\x0000\r\nSupported: ti\x7fmer\r\n\r\n",
    REQUEST + "Subject: \u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439\r\nx: 90\r\n\r\n",
    REQUEST + "Session-Expires 1800\r\n\r\n",
    # No blank line, continuation before any header, a bad start line.
    REQUEST + "Session-Expires: 1800",
    REQUEST + " folded first\r\n\r\n",
    "INVITE sip:bob@127.0.0.1 SIP/7.0\r\nx: 90\r\n\r\n",
    "SIP/2.0 99 Low\r\n\r\n",
    # Many parameters, a long value, a long folded value.
    REQUEST + "Session-Expires: 1800" + "".join(f";p{i}={i}" for i in range(20)) + "\r\n\r\n",
    REQUEST + "Session-Expires: " + "9" * 1100 + "\r\n\r\n",
    REQUEST + "Supported: timer" + "\r\n ,x" * 200 + "\r\n\r\n",
    # A re-INVITE with SDP, and a request that is not a refresh.
    REQUEST + COMMON + "Session-Expires: 1800;refresher=uas\r\nSupported: timer\r\n"
    "Content-Type: application/sdp\r\n\r\nv=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n",
    "BYE sip:bob@127.0.0.1 SIP/2.0\r\nSession-Expires: 90\r\n\r\n",
]


def messages(rows: list[str]) -> list[str]:
    """Each checklist row alone in a request, the rows together, and the torture set."""
    out = [REQUEST + COMMON + row + "\r\n\r\n" for row in rows]
    out.append(REQUEST + COMMON + "".join(r + "\r\n" for r in rows[:6]) + "\r\n")
    out.extend(TORTURE)
    return out


def header_values(rows: list[str]) -> list[str]:
    return [row.partition(":")[2] for row in rows]


def engine_snapshot(elapsed: int, records: list[bytes]) -> bytes:
    counters = struct.pack("<9Q", len(records), 3, 2, 0, 0, 0, 0, 0, 0)
    return b"SSTE\x01" + struct.pack("<Q", elapsed) + counters + struct.pack("<I", len(records)) + b"".join(records)


def record(key: int, refreshed: int, deadline: int, interval: int, min_se: int, flags: int, phase: int) -> bytes:
    return struct.pack("<QQQII4B", key, refreshed, deadline, interval, min_se, flags, phase, 0, 0)


def snapshots() -> list[bytes]:
    """Valid snapshots of each kind and phase, and a few near misses."""
    refresh = record(1, 1000, 1000 + 900_000, 1800, 90, 0b01, 1)
    bye = record(2, 1000, 1000 + 1_768_000, 1800, 0, 0b00, 2)
    in_flight = record(3, 0, 90_000, 90, 90, 0b01, 3)
    proxy = record(4, 5, 5 + 90_000, 90, 0, 0b00, 5)
    idle = record(5, 0, 2**64 - 1, 0, 0, 0b00, 0)
    return [
        engine_snapshot(1000, [refresh, bye, in_flight, proxy, idle]),
        engine_snapshot(0, []),
        engine_snapshot(2**64 - 2, [record(6, 2**64 - 100_000, 2**64 - 10_000, 90, 0, 0, 2)]),
        b"SSTS\x01" + refresh,
        b"SSTS\x01" + proxy,
        b"SSTD\x01" + struct.pack("<QIIB", 1000, 1800, 90, 1),
        b"SSTD\x01" + struct.pack("<QIIB", 0, 0, 0, 0),
        b"SSTE\x02",
        engine_snapshot(0, [refresh, refresh]),
        # Replica records: an owner (node 7, epoch 42), then a session record.
        b"SSTR\x01" + struct.pack("<QQ", 7, 42) + refresh,
        b"SSTR\x01" + struct.pack("<QQ", 7, 42) + bye,
    ]


def write(target: str, items: list[bytes]) -> None:
    folder = HERE / "seeds" / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for item in items:
        (folder / hashlib.sha1(item).hexdigest()[:16]).write_bytes(item)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checklist", type=Path, default=None)
    args = parser.parse_args()
    rows = checklist_rows(args.checklist)
    texts = [m.encode() for m in messages(rows)]
    write("headers", texts + [v.encode() for v in header_values(rows)])
    # roles: role, four policy bytes, a selector; then request NUL response.
    responses = [m for m in texts if m.startswith(b"SIP/2.0")]
    roles = []
    for i, text in enumerate(texts):
        control = bytes([i % 4, i % 5, 0x80 | (i * 37 % 128) if i % 3 else 0, i % 21, i * 11 % 256, i % 3])
        roles.append(control + text + b"\0" + responses[i % len(responses)])
    write("roles", roles)
    write("c_api", [bytes([i * 13 % 256]) + t for i, t in enumerate(texts)] + [b"\x80" + s for s in snapshots()])
    write("snapshot", snapshots())
    write("engine", [bytes((i + j) % 256 for j in range(64)) for i in range(0, 256, 32)])
    print(f"{len(rows)} checklist rows, {len(texts)} messages, {len(snapshots())} snapshots")


if __name__ == "__main__":
    main()
