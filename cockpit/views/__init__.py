"""The cockpit's pages: each a ``render()`` that reads through cockpit.data / customer / review and
draws; no query or decision logic here, so tests can cover it without a browser."""
