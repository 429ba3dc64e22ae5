#!/usr/bin/env python3
"""Prepares bench/mall through the gateway: products in every category with 60 days of NAVs
(entered and published by a product manager's token), customers signed up by SMS code (from the
sandbox outbox) with a sandbox fund account and a C3 assessment, and the request mix for the load:
product list 60 %, product detail 25 %, holdings 10 %, subscribe 5 %.

Usage: setup.py PORT WORKDIR STAFF_TOKEN CUSTOMERS
Writes WORKDIR/mix.tsv (mall_driver's format; wrk's mix.lua reads it too).
"""
import datetime
import http.client
import json
import re
import sys

port, work, staff, n_customers = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
CODE = re.compile("验证码为([0-9]{6})")
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def call(method, path, body=None, token=None, expect=200):
    global conn
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    for attempt in range(2):
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            r = conn.getresponse()
            text = r.read().decode()
            break
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if attempt:
                raise
    if expect and r.status != expect:
        sys.exit(f"{method} {path}: {r.status} {text}")
    return json.loads(text) if text else {}


FEES = {"subscription": [{"from": "0", "rate": "0.015"}, {"from": "1000000.00", "rate": "0.012"}],
        "redemption": [{"min_days": 0, "rate": "0.015"}, {"min_days": 7, "rate": "0.005"}]}
products = []
for i, (category, risk) in enumerate([("public_fund", 2), ("public_fund", 3), ("public_fund", 3), ("public_fund", 4), ("public_fund", 1),
                                      ("bank_wm", 2), ("bank_wm", 1), ("broker_am", 3), ("broker_am", 4), ("public_fund", 5)]):
    code = f"B{i + 1:05d}"
    products.append((code, category, risk))
    call("POST", "/api/mall/v1/admin/products", {
        "code": code, "name": f"基准测试产品{i + 1}号", "category": category, "risk": risk, "issuer": "沙箱资产管理有限公司",
        "sale_start": "2025-01-02", "min_first": "1000.00", "min_additional": "100.00", "increment": "0.01", "audience": "public",
        "description": "bench/mall 的测试产品", "fees": FEES}, staff)
# The last 60 trading days before today (NAVs exist for trading days only), from the calendar.
today = datetime.date.today()
days = call("GET", f"/api/calendar/v1/trading-days?from={today - datetime.timedelta(days=120)}&to={today - datetime.timedelta(days=1)}")["items"]
lines = ["code,date,nav"]
for n, day in enumerate(days[-60:], start=1):
    for j, (code, _, _) in enumerate(products):
        lines.append(f"{code},{day},{1 + 0.0007 * n * (1 + j % 3) - 0.0003 * (n % 7):.4f}")
call("POST", "/api/mall/v1/admin/navs/import", {"csv": "\n".join(lines)}, staff)
for code, _, _ in products:
    call("POST", f"/api/mall/v1/admin/products/{code}/status", {"status": "published", "comment": "bench"}, staff)

questionnaire = call("GET", "/api/suitability/v1/questionnaire")
answers = [{"question": q["id"], "option": q["options"][1]["id"]} for g in questionnaire["groups"] for q in g["questions"]]
agreed = [{"id": a["id"], "version": a["version"]} for a in call("GET", "/api/auth/v1/agreements")["items"]]
tokens = []
for i in range(n_customers):
    mobile = f"137{i:08d}"
    call("POST", "/api/auth/v1/sms-codes", {"mobile": mobile})
    box = call("GET", f"/api/notify/v1/outbox?recipient={mobile}&limit=1", None, staff)
    code = CODE.search(json.dumps(box, ensure_ascii=False)).group(1)
    token = call("POST", "/api/auth/v1/sessions", {"mobile": mobile, "code": code, "device": "bench", "agreements": agreed})["access_token"]
    call("POST", "/api/auth/v1/me/sandbox-account", None, token)
    call("POST", "/api/suitability/v1/me/assessments", {"version": questionnaire["version"], "answers": answers}, token)
    tokens.append(token)

buyable = [code for code, category, risk in products if risk <= 3]
categories = sorted({category for _, category, _ in products})
with open(f"{work}/mix.tsv", "w") as out:
    out.write("# weight label method path headers body — per customer: list 12, detail 5, holdings 2, subscribe 1 (60/25/10/5 %)\n")
    for i, token in enumerate(tokens):
        auth = f"Authorization: Bearer {token}"
        out.write(f"12\tlist\tGET\t/api/mall/v1/products?category={categories[i % len(categories)]}\t{auth}\t-\n")
        out.write(f"5\tdetail\tGET\t/api/mall/v1/products/{products[i % len(products)][0]}\t{auth}\t-\n")
        out.write(f"2\tholdings\tGET\t/api/mall/v1/holdings\t{auth}\t-\n")
        body = json.dumps({"product": buyable[i % len(buyable)], "side": "subscribe", "amount": "1000.00"})
        out.write(f"1\tsubscribe\tPOST\t/api/mall/v1/orders\t{auth}|Idempotency-Key: {{KEY}}\t{body}\n")
print(f"setup: {len(products)} products, {len(tokens)} customers")
