"""Enterprises and their profile (zjtx.profile/1), entered once and used by every assessment."""
