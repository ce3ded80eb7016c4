#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    dvmlint::allocator::configure();
    std::process::exit(dvmlint::cli::main());
}
