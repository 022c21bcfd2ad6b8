"""Line-based JSON protocol between a node:test file and a Python client driver (test harness, not product).

  stdin,  one per line:  {"id": 1, "cmd": "send_text", "args": {...}}
  stdout, one per line:  {"id": 1, "ok": true, "result": {...}}  or  {"id": 1, "ok": false, "error": "..."}
                         {"event": "ready"} once, then {"event": "message", ...} for every new message

Commands run concurrently (each in its own task), so a test can wait for an event while a command is pending.
A command is the driver method cmd_<name>(**args). "quit" (or the end of stdin) runs driver.close() and exits.
"""
import asyncio
import json
import sys
import traceback

_protocol_out = sys.stdout
# Client libraries may print (banners, prompts): only the protocol may write to the real stdout.
sys.stdout = sys.stderr


def emit(obj):
    _protocol_out.write(json.dumps(obj, default=str) + "\n")
    _protocol_out.flush()


def event(name, **data):
    emit({"event": name, **data})


async def _run(driver, msg):
    try:
        handler = getattr(driver, "cmd_" + msg["cmd"], None)
        if handler is None:
            raise ValueError(f"unknown command {msg['cmd']!r}")
        result = await handler(**msg.get("args", {}))
        emit({"id": msg["id"], "ok": True, "result": result})
    except Exception as e:  # the test sees the error; the driver keeps serving
        traceback.print_exc()
        emit({"id": msg["id"], "ok": False, "error": f"{type(e).__name__}: {e}"})


async def _serve(driver):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks = set()
    event("ready")
    while line := await reader.readline():
        msg = json.loads(line)
        if msg["cmd"] == "quit":
            break
        task = asyncio.create_task(_run(driver, msg))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    for task in tasks:
        task.cancel()
    await driver.close()
    if line:
        emit({"id": msg["id"], "ok": True, "result": None})


def serve(driver):
    asyncio.run(_serve(driver))
