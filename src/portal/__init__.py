"""The zjtx web platform (Django). One app per job; only portal.assessments talks to rulebook."""
