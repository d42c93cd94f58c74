"""Helpers of the generated authorization matrix (tests/test_authorization_matrix.py): the world it runs against
(:mod:`.world`) and the requests it makes (:mod:`.runner`)."""
