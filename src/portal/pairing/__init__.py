"""Chain-leader needs (发榜), SME suggestions explained, responses and shortlists."""
