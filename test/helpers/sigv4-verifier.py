"""An Amazon-OpenSearch-like endpoint on 127.0.0.1 for the SigV4 test: every request must carry an AWS
Signature Version 4 that AWS's own implementation (botocore) computes identically from the request and the
known credentials; then it is forwarded to the real OpenSearch. Anything else answers 403 like AWS does.

usage: python3 sigv4-verifier.py PORT UPSTREAM ACCESS_KEY SECRET_KEY REGION SERVICE
(PYTHONPATH must hold botocore: scripts/stack path botocore). Stops on SIGTERM.
"""
import http.client
import http.server
import re
import sys
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PORT, UPSTREAM, ACCESS_KEY, SECRET_KEY, REGION, SERVICE = sys.argv[1:7]
AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})")


class Verifier(SigV4Auth):
    """botocore's SigV4 with the request's own timestamp instead of the current time."""

    def signature_for(self, request, amz_date):
        request.context["timestamp"] = amz_date
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        return self.signature(self.string_to_sign(request, canonical), request)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def refuse(self, why):
        body = ('{"message":"%s"}' % why).encode()
        self.send_response(403)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        m = AUTH.match(self.headers.get("authorization", ""))
        amz_date = self.headers.get("x-amz-date", "")
        if not m or not amz_date:
            return self.refuse("Missing Authentication Token")
        key, _day, region, service, signed, signature = m.groups()
        if key != ACCESS_KEY or region != REGION or service != SERVICE:
            return self.refuse("The security token included in the request is invalid.")
        headers = {h: self.headers.get(h, "") for h in signed.split(";")}
        request = AWSRequest(method=self.command, url="http://%s%s" % (self.headers.get("host"), self.path), data=body, headers=headers)
        token = headers.get("x-amz-security-token")
        expected = Verifier(Credentials(ACCESS_KEY, SECRET_KEY, token), SERVICE, REGION).signature_for(request, amz_date)
        if expected != signature:
            return self.refuse("The request signature we calculated does not match the signature you provided.")
        up = urllib.parse.urlparse(UPSTREAM)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        forward = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "host")}
        conn.request(self.command, self.path, body=body, headers=forward)
        res = conn.getresponse()
        data = res.read()
        self.send_response(res.status)
        for k, v in res.getheaders():
            if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
print("sigv4 verifier listening", flush=True)
server.serve_forever()
