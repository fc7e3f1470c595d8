"""The shell every page shares: layout, navigation by role, home page, language switch."""
