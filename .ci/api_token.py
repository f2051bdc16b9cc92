#!/usr/bin/env python3
"""Signs a demo user in through the sign-in page and prints a new API token for them.

Usage: api_token.py BASE_URL USERNAME PASSWORD SCOPE...   (standard library only)

Used by .ci/run to give schemathesis a bearer token for a running `egov serve --demo`.
"""
import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    if not m:
        sys.exit("no CSRF field on the page")
    return m.group(1)


def main() -> None:
    base, username, password, *scopes = sys.argv[1:]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def get(path: str) -> str:
        with opener.open(base + path) as r:
            return r.read().decode()

    csrf = csrf_of(get("/signin"))
    form = urllib.parse.urlencode({"csrf": csrf, "username": username, "password": password}).encode()
    try:
        opener.open(urllib.request.Request(base + "/signin", data=form, method="POST"))
    except urllib.error.HTTPError as e:  # the 303 to "/" arrives as an HTTPError without redirects
        if e.code != 303:
            sys.exit(f"sign-in failed: {e.code}")
    csrf = csrf_of(get("/"))
    body = json.dumps({"name": "ci schemathesis", "scopes": scopes, "expires_in_days": 1}).encode()
    req = urllib.request.Request(
        base + "/api/v1/me/tokens",
        data=body,
        method="POST",
        headers={"content-type": "application/json", "x-csrf-token": csrf},
    )
    with opener.open(req) as r:
        print(json.load(r)["secret"])


if __name__ == "__main__":
    main()
