-- A catalog name searched for exactly is listed first (store::catalog::list): the exact
-- matches are found and counted through this index.
CREATE INDEX institution_outcomes_name ON institution_outcomes(name);
