"""The page: a local web page, served by the agent, for people who don't use a terminal.

``app`` builds the Flask app (``security`` guards every route, ``views`` and ``session`` are its
blueprints, ``model`` turns the state into what a page shows, ``words`` into safe HTML);
``tokens`` makes and redeems the one-time tokens ``open`` hands to the browser; ``server``
serves it on 127.0.0.1 in the agent's own process. DESIGN.md, "The page", has the contract.
"""
