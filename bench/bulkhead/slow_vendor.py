#!/usr/bin/env python3
"""A slow 公安 vendor for bench/bulkhead: answers POST /identity/verify after DELAY seconds, for
any number of callers at once (asyncio). Usage: slow_vendor.py PORT DELAY_SECONDS"""
import asyncio
import sys

PORT, DELAY = int(sys.argv[1]), float(sys.argv[2])
BODY = '{"result":"match","message":"一致"}'.encode()


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            await asyncio.sleep(DELAY)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", PORT, backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
