#!/usr/bin/env python3
"""A TCP proxy on loopback that delays every byte by a fixed time in each
direction: a network round trip (a CI runner to S3 is 10-50 ms) in front
of a server that answers in a millisecond. Connections are independent,
so concurrent requests wait concurrently, as they do on a real network.
Not part of the test suite; bench/moto.sh starts it when LATENCY_MS is set.

    latency-proxy.py LISTEN_PORT UPSTREAM_PORT ONE_WAY_MS
"""

import asyncio
import sys


async def pipe(reader, writer, delay):
    """Forward what `reader` gets to `writer`, each piece `delay` seconds
    after it arrived (in order, without holding up the reads)."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        # The other direction may still be answering: close only this one.
        if writer.can_write_eof():
            writer.write_eof()

    sender = asyncio.ensure_future(send())
    try:
        while True:
            data = await reader.read(1 << 16)
            await queue.put((loop.time() + delay, data or None))
            if not data:
                break
        await sender
    except (ConnectionError, asyncio.CancelledError):
        sender.cancel()
        writer.close()


async def main():
    listen, upstream, one_way_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    delay = one_way_ms / 1000

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", upstream)
        except ConnectionError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, server_writer, delay),
            pipe(server_reader, client_writer, delay),
            return_exceptions=True,
        )
        server_writer.close()
        client_writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
