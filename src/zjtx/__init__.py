"""zjtx: command line and (later) web platform for 专精特新 SME cultivation."""
