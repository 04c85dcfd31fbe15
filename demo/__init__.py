"""The seed's school district and its demo: ``demo.school`` holds the school's facts and builds
the directory's commands that write them (the demo, the tests and the fault tests all use it);
``demo.loader`` writes the school and a term of its logistics through the services' APIs
(``./houqin up`` loads it, ``python -m services demo`` too)."""
