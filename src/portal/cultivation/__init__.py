"""The cultivation ladder: batches, applications, review, public notice, recognition, re-review, changes."""
