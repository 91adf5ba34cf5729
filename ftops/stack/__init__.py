"""What a stack is, offline: its schema and rules, its outputs contract, names, roles and summary."""
