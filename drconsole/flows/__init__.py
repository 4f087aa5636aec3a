"""Copy-back and restore planning and execution: routes, hops, journal, resume."""
