"""The workshop game: teams run a book quarter by quarter in their browsers."""
