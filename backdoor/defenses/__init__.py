"""Published backdoor defenses, one per file. See ``registry`` for the list the pages use."""
