"""Everything that knows the portal's pages: browser, page objects, flows, the table parser.

Flows never read settings files or the keyring: they receive a Playwright page and what they need.
"""
