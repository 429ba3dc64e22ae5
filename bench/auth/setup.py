#!/usr/bin/env python3
"""Prepares bench/auth: asks the platform for SMS codes and reads them from the sandbox outbox,
signs some customers in and gives some a password, all through the gateway on loopback.

Usage: setup.py PORT WORKDIR CODES SESSIONS PASSWORDS STAFF_TOKEN (sandbox.manage: the outbox is staff's)
Writes WORKDIR/codes.txt ("mobile code" per line, each code unused), WORKDIR/refresh.txt (one
refresh token per line) and WORKDIR/passwords.txt ("mobile password" per line).
"""
import http.client
import json
import re
import sys
import threading

port, work = int(sys.argv[1]), sys.argv[2]
n_codes, n_sessions, n_passwords = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
staff = sys.argv[6]
THREADS = 4
CODE = re.compile("验证码(?:为)?([0-9]{6})")


class Client:
    def __init__(self):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None, token=None, address=None):
        headers = {"content-type": "application/json"}
        if address:
            headers["x-forwarded-for"] = address
        if token:
            headers["authorization"] = "Bearer " + token
        for attempt in range(2):
            try:
                self.c.request(method, path, json.dumps(body) if body is not None else None, headers)
                r = self.c.getresponse()
                return r.status, r.read().decode()
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if attempt:
                    raise


def address_of(mobile):
    # Customers come from many addresses: one per 16 numbers keeps under the per-address cap (a
    # customer with a password asks for two codes).
    i = int(mobile[3:]) // 16
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def code_for(client, mobile):
    status, body = client.call("POST", "/api/auth/v1/sms-codes", {"mobile": mobile}, address=address_of(mobile))
    if status != 200:
        raise SystemExit(f"sms-codes for {mobile[:3]}****: {status} {body}")
    return newest_code(client, mobile)


def newest_code(client, mobile):
    status, body = client.call("GET", f"/api/notify/v1/outbox?recipient={mobile}&limit=1", token=staff)
    m = CODE.search(body)
    if status != 200 or not m:
        raise SystemExit(f"outbox for {mobile[:3]}****: {status} {body[:200]}")
    return m.group(1)


def mobiles(start, count):
    return [f"139{start + i:08d}" for i in range(count)]


def in_parallel(items, work_on):
    results = [None] * len(items)

    def run(k):
        client = Client()
        try:
            for i in range(k, len(items), THREADS):
                results[i] = work_on(client, items[i])
        except SystemExit as e:  # a thread's exit says nothing by itself
            print(f"setup: {e}", file=sys.stderr)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if any(r is None for r in results):
        raise SystemExit("setup: a worker failed")
    return results


_agreements = []


def agreements(client):
    """The agreements in force, as the app's ticked boxes (needed to sign up)."""
    if not _agreements:
        status, body = client.call("GET", "/api/auth/v1/agreements", None)
        if status != 200:
            raise SystemExit(f"agreements: {status} {body}")
        _agreements[:] = [{"id": a["id"], "version": a["version"]} for a in json.loads(body)["items"]]
    return _agreements


def sign_in(client, mobile):
    code = code_for(client, mobile)
    status, body = client.call("POST", "/api/auth/v1/sessions",
                               {"mobile": mobile, "code": code, "device": "bench", "agreements": agreements(client)})
    if status != 200:
        raise SystemExit(f"sign-in: {status} {body}")
    return json.loads(body)


def with_password(client, mobile):
    tokens = sign_in(client, mobile)
    password = "Bench" + mobile[-6:] + "x"
    # Setting a password needs a code from the customer's own phone.
    status, body = client.call("POST", "/api/auth/v1/me/password-codes", None, tokens["access_token"], address=address_of(mobile))
    if status != 200:
        raise SystemExit(f"password code: {status} {body}")
    code = newest_code(client, mobile)
    status, body = client.call("PUT", "/api/auth/v1/me/password", {"password": password, "code": code}, tokens["access_token"])
    if status != 200:
        raise SystemExit(f"password: {status} {body}")
    return f"{mobile} {password}"


codes = in_parallel(mobiles(0, n_codes), lambda c, m: f"{m} {code_for(c, m)}")
sessions = in_parallel(mobiles(n_codes, n_sessions), lambda c, m: sign_in(c, m)["refresh_token"])
passwords = in_parallel(mobiles(n_codes + n_sessions, n_passwords), with_password)
for name, lines in (("codes", codes), ("refresh", sessions), ("passwords", passwords)):
    with open(f"{work}/{name}.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
print(f"setup: {len(codes)} codes, {len(sessions)} sessions, {len(passwords)} passwords")
