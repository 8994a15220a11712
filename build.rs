//! Rebuilds the binary when the embedded default theme or scaffold changes
//! (include_dir cannot tell cargo which files it read).

fn main() {
    println!("cargo:rerun-if-changed=themes/default");
    println!("cargo:rerun-if-changed=scaffold");
}
