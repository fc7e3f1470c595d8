"""The 中小企业数字化水平评测 self-test and the 小快轻准 solution catalogue."""
