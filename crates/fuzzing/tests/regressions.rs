//! Every input a fuzz target ever crashed on (fuzz/regressions/<target>/), and the seed
//! corpus, replayed through the same code on stable Rust.

#[test]
fn saved_fuzz_inputs_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0;
    for (name, target) in fuzzing::TARGETS {
        for dir in ["regressions", "seeds"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for entry in entries.flatten() {
                let data = std::fs::read(entry.path()).unwrap_or_default();
                target(&data);
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 5, "the seeds are missing: {replayed} inputs");
}
