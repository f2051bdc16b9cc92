"""A real SMTP server for egov-notify's mail tests (aiosmtpd).

Usage: python3 smtp_server.py PORT

Listens on 127.0.0.1:PORT, prints READY once listening, then one JSON line per message
received, decoded with Python's own email package (so the test checks what a mail reader
would show, not the bytes lettre wrote). A recipient whose local part starts with "refuse"
gets "550 5.1.1" at RCPT TO.
"""

import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        to = msg["To"].addresses[0]
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        print(
            json.dumps(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "from": str(msg["From"]),
                    "to_name": to.display_name,
                    "to_addr": to.addr_spec,
                    "subject": str(msg["Subject"]),
                    "message_id": str(msg["Message-ID"]),
                    "date": msg["Date"] is not None,
                    "content_type": msg.get_content_type(),
                    "text": plain.get_content() if plain is not None else None,
                    "html": html.get_content() if html is not None else None,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
        return "250 Message accepted for delivery"


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler()), "127.0.0.1", port)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
