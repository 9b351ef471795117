"""Widgets of the TUI: the process tree, the detail pane, the status bar, throughput graphs."""
