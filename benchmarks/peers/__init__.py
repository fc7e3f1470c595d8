"""Hand-written implementations of the 2022 创新型 standard, to measure the generic engine against."""
