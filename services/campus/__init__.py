"""The campus layer: what every campus-scoped service (safety, inventory, ...) shares.

It knows the directory only through the directory's published events: ``mirror`` keeps a
copy of campuses, terms, classes, staff, students and parents in the consuming service's
own database (``mirror_migrations``), and ``scoped`` resolves where a command belongs
(a campus named in the body, or an existing stream) before the command bus runs it.
The directory itself never uses this package.
"""
