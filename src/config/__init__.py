"""Django settings and URL root of the zjtx portal. Settings only: domain code lives in src/portal/."""
