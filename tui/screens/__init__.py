"""One screen per mode (processes, groups, transfers) plus the help screen."""
