"""Make this installation's Ed25519 signing key and print the public key to give to its peers.

    manage.py exchange_keygen                 # writes $ZJTX_NODE_KEY_FILE (default var/exchange/node-key.pem)
    manage.py exchange_keygen --out key.pem   # somewhere else
    manage.py exchange_keygen --show          # print the public key of the existing key file

The private key file is created readable by its owner only (0600) and never overwritten: to
replace a key, move the old file away first and give the new public key to every peer.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand, CommandError

from portal.exchange import node as node_mod


class Command(BaseCommand):
    help = "Generate the node's Ed25519 signing key (0600) and print its public key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", help="private key file (default: ZJTX_NODE_KEY_FILE or var/exchange/node-key.pem)"
        )
        parser.add_argument(
            "--show", action="store_true", help="only print the public key of the existing file"
        )

    def handle(self, *args, out=None, show=False, **options):
        path = Path(out) if out else node_mod.key_file_from_env()
        if show:
            try:
                key = node_mod.load_private_key(path)
            except node_mod.NodeError as exc:
                raise CommandError(str(exc)) from None
        else:
            if path.exists():
                raise CommandError(
                    f"{path} 已存在，未覆盖：如确需更换密钥，请先移走旧文件，并把新公钥发给所有互联节点。"
                )
            key = Ed25519PrivateKey.generate()
            node_mod.write_private_key(path, key)
            self.stderr.write(f"私钥已写入 {path}（权限 0600）。")
        public = node_mod.public_key_text(key.public_key())
        me = node_mod.current()
        if me is not None:
            self.stderr.write(f"节点标识：{me.node_id}")
        self.stderr.write(f"公钥指纹：{node_mod.fingerprint(public)}")
        self.stdout.write(public)
