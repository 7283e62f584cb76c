"""Receives Vitrina's webhooks as a partner would and verifies each with
the real `standardwebhooks` library: starts a receiver on loopback,
`vitrina serve` over a throw-away copy of the demo datasets with a
`[[webhooks]]` subscription to it, publishes one dataset with `vitrina
run`, and waits for the signed `version.published` (at most 60 s). Fails
on a signature the library refuses, a body it cannot read, or no
delivery.

Usage: python tools/validate/webhooks.py VITRINA
"""

import base64
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
received = queue.Queue()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            payload = Webhook(SECRET).verify(body, headers)
            received.put(("verified", headers["webhook-id"], payload))
            self.send_response(204)
        except Exception as error:  # noqa: BLE001: any refusal is the finding
            received.put(("refused", headers.get("webhook-id"), repr(error)))
            self.send_response(400)
        self.end_headers()

    def log_message(self, *_):
        pass


def main(vitrina):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hooks"
    work = tempfile.mkdtemp()
    try:
        shutil.copytree(os.path.join(repo, "datasets"), os.path.join(work, "datasets"))
        config = os.path.join(work, "vitrina.toml")
        with open(config, "w") as out:
            out.write(
                'data_dir = "data"\ndatasets_dir = "datasets"\n'
                "[operator]\nname = \"webhooks check\"\ncontact = \"tools/validate/webhooks.py\"\n"
                f'[[webhooks]]\nname = "partner"\nurl = "{url}"\n'
                'secret = "env:PARTNER_WEBHOOK_SECRET"\nallow_private = true\n'
            )
        env = dict(os.environ, PARTNER_WEBHOOK_SECRET=SECRET, VITRINA_LOG="info")
        log_path = os.path.join(work, "serve.log")
        with open(log_path, "w") as log:
            serve = subprocess.Popen(
                [vitrina, "--config", config, "serve", "--listen", "127.0.0.1:0",
                 "--no-initial-runs", "--no-schedule"],
                env=env, stdout=subprocess.DEVNULL, stderr=log,
            )
        try:
            deadline = time.time() + 120
            while "delivering webhooks" not in open(log_path).read():
                if time.time() > deadline or serve.poll() is not None:
                    sys.exit("vitrina serve did not start delivering webhooks:\n" + open(log_path).read())
                time.sleep(0.2)
            subprocess.run([vitrina, "--config", config, "run", "burgas-projects"],
                           env=env, check=True, capture_output=True)
            kind, message_id, payload = received.get(timeout=60)
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    if kind != "verified":
        sys.exit(f"standardwebhooks refused the delivery {message_id}: {payload}")
    assert payload["type"] == "version.published", payload
    assert payload["data"]["dataset"] == "burgas-projects", payload
    assert payload["data"]["version"] == 1, payload
    print(f"  standardwebhooks verified {message_id}: {json.dumps(payload['data'])[:120]}...")


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
