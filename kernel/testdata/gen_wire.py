"""Writes jupyter_client_message.json: a message serialized and signed by
jupyter_client's Session, for the Go wire-format tests to decode.

Run with Debian's Python (jupyter_client 7.4): python3 gen_wire.py
"""

import base64
import json

from jupyter_client.session import Session

KEY = b"5ca1ab1e-d00d-4bad-a55e-c0ffee000042"


def main():
    s = Session(key=KEY, username="student", session="0f6a6d8e-2f34-4a49-8b6f-3ad0d5f2a001")
    parent = s.msg("kernel_info_request")
    msg = s.msg(
        "execute_request",
        content={"code": 'fmt.Println("héllo, 世界")', "silent": False, "store_history": True,
                 "user_expressions": {}, "allow_stdin": True, "stop_on_error": True},
        parent=parent,
        metadata={"cellId": "abc"},
    )
    frames = s.serialize(msg, ident=[b"client-identity"])
    out = {
        "key": KEY.decode(),
        "frames": [base64.b64encode(f).decode() for f in frames],
        "msg_id": msg["header"]["msg_id"],
        "parent_msg_id": parent["header"]["msg_id"],
        "code": msg["content"]["code"],
    }
    with open("jupyter_client_message.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
