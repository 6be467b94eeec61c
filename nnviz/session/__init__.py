"""A working session: the design, its run, its status, time travel and where training runs."""
