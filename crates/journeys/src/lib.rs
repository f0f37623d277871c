//! Nothing here: the journeys are the integration tests under `tests/`.
