"""Import wizard: file → mapping → preview → import with progress → summary."""
