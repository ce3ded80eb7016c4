fn main() {
    std::process::exit(dvmlint::cli::main());
}
