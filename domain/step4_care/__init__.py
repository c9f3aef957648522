"""Step 4, ดูแลชีวิต (caring): every household gets a caretaker, an officer or community leader who follows it."""
