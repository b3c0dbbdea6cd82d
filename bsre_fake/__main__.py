"""Run the fake BSrE server: ``.venv/bin/python -m bsre_fake --port 8088``."""

import argparse
from pathlib import Path

from bsre_fake.server import Config, serve

DEFAULT_CONFIG = Path(__file__).resolve().parent / "users.example.toml"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bsre_fake",
        description="A fake BSrE Esign Client Service (API v1 and v2) for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=8088, help="port; 0 picks a free one")
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="users and credentials (TOML)"
    )
    parser.add_argument(
        "--ca-out", type=Path, default=None, help="write the fake root CA certificate (PEM) here"
    )
    parser.add_argument(
        "--pki-url",
        default=None,
        help="base URL the certificates give for their CRL, OCSP and issuer (default: this server)",
    )
    parser.add_argument("--verbose", action="store_true", help="log each request line")
    args = parser.parse_args()
    serve(
        host=args.host,
        port=args.port,
        config=Config.load(args.config),
        ca_out=args.ca_out,
        pki_url=args.pki_url,
        verbose=args.verbose,
    )


if __name__ == "__main__":
    main()
