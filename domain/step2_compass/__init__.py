"""Steps 2–3: the life compass (เข็มทิศชีวิต) a household writes with the team, and its MOU."""
