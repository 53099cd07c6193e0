"""E-mail rendering: templates, sanitising, headers and the signed envelope sender.

compose.build_message is the one function that builds every outgoing message (STYLE.md C7);
context.py documents what each template reads; envelope.py makes and reads Relay's own
addresses (Message-ID, bounces+…, unsubscribe+…); sanitize.py handles untrusted text and HTML.
"""
