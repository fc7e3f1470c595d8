"""Each user's and enterprise's inbox: notifications written on commit by action functions."""
