//! `inspect()` against mutated real files: bytes overwritten, inserted, deleted or repeated,
//! sizes and counts in headers set to extremes, files cut short. Whatever comes in, it must
//! answer (never panic, never abort), within a time limit and a memory budget measured by a
//! counting allocator. A bounded run for CI; `PROPTEST_CASES=20000` runs longer.
//!
//! The allocator counts the whole process, so the tests here take turns ([`ONE_AT_A_TIME`]).

use crate::fixtures;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use server::materials::inspect::{MAX_DECODED_BYTES, inspect};

/// Far above a real scan's few milliseconds, in an unoptimised build on a busy machine.
const TIME_LIMIT: Duration = Duration::from_secs(10);
/// The largest image accepted, decoded in full: about 4 s of one core (the decoders are
/// optimised in test builds too), with room for a busy machine.
const WORST_CASE_TIME_LIMIT: Duration = Duration::from_secs(20);
/// One decoded image at the limit, plus what the decoders keep beside it: the JPEG decoder
/// holds its colour planes and the image twice over.
const MEMORY_BUDGET: usize = 3 * MAX_DECODED_BYTES as usize + 32 * 1024 * 1024;
const CASES: u32 = 1024;

struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
/// Held by each test while it measures.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    IN_USE.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        unsafe { System.dealloc(block, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One edit to a file, its offsets taken modulo the file's length.
#[derive(Clone, Debug)]
enum Mutation {
    Overwrite {
        at: usize,
        byte: u8,
    },
    /// A big-endian 16- or 32-bit field (dimensions, lengths, counts) set to an extreme.
    Extreme {
        at: usize,
        wide: bool,
        value: u32,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    /// A stretch copied in place many times, as a repeated scan, chunk or object.
    Repeat {
        at: usize,
        len: usize,
        times: usize,
    },
    Truncate {
        at: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extremes = prop::sample::select(vec![
        0,
        1,
        0x7F,
        0xFF,
        0x7FFF,
        0xFFFF,
        0x7FFF_FFFF,
        0xFFFF_FFFF,
    ]);
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Overwrite { at, byte }),
        2 => (any::<usize>(), any::<bool>(), extremes)
            .prop_map(|(at, wide, value)| Mutation::Extreme { at, wide, value }),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..32))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        1 => (any::<usize>(), 1usize..256).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (any::<usize>(), 1usize..512, 2usize..200)
            .prop_map(|(at, len, times)| Mutation::Repeat { at, len, times }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(file: &mut Vec<u8>, mutation: &Mutation) {
    if file.is_empty() {
        return;
    }
    let len = file.len();
    match mutation {
        Mutation::Overwrite { at, byte } => file[at % len] = *byte,
        Mutation::Extreme { at, wide, value } => {
            let bytes = value.to_be_bytes();
            let field = if *wide { &bytes[..] } else { &bytes[2..] };
            let at = at % len;
            let end = (at + field.len()).min(len);
            file[at..end].copy_from_slice(&field[..end - at]);
        }
        Mutation::Insert { at, bytes } => {
            let at = at % (len + 1);
            file.splice(at..at, bytes.iter().copied());
        }
        Mutation::Delete { at, len: cut } => {
            let at = at % len;
            file.drain(at..(at + cut).min(len));
        }
        Mutation::Repeat {
            at,
            len: stretch,
            times,
        } => {
            let at = at % len;
            let piece = file[at..(at + stretch).min(len)].to_vec();
            let copies: Vec<u8> = piece
                .iter()
                .copied()
                .cycle()
                .take(piece.len() * times)
                .collect();
            file.splice(at..at, copies);
        }
        Mutation::Truncate { at } => file.truncate(at % len),
    }
}

/// Real files of each accepted kind, small so a run covers many mutations.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("jpeg", fixtures::jpeg(64, 48)),
        ("png", fixtures::png(48, 64)),
        ("pdf", fixtures::pdf(2)),
        ("pdf of streams", fixtures::modern_pdf(2)),
        ("encrypted pdf", fixtures::encrypted_pdf("")),
    ]
}

/// Panics anywhere in the process, even those `inspect` catches and answers as a damaged file:
/// each is a parser bug that hostile input can reach.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[test]
fn inspect_answers_any_mutation_of_a_real_file_in_bounded_time_and_memory() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    std::panic::set_hook(Box::new(|panic| {
        let mut panics = PANICS.lock().unwrap_or_else(|e| e.into_inner());
        panics.push(panic.to_string());
    }));
    let seeds = seeds();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    let mut config = Config::with_cases(cases);
    config.max_shrink_iters = 256;
    let mut runner = TestRunner::new(config);
    let strategy = (0..seeds.len(), prop::collection::vec(mutation(), 1..6));
    let slowest = RefCell::new((Duration::ZERO, String::new()));
    let hungriest = RefCell::new((0usize, String::new()));
    runner
        .run(&strategy, |(seed, mutations)| {
            let (name, file) = &seeds[seed];
            let mut file = file.clone();
            for mutation in &mutations {
                apply(&mut file, mutation);
            }
            let base = IN_USE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let started = Instant::now();
            let outcome = inspect(&file);
            let took = started.elapsed();
            let used = PEAK.load(Ordering::Relaxed).saturating_sub(base);
            let case = format!("{name} {mutations:?} → {outcome:?}");
            let panicked = std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()));
            prop_assert!(panicked.is_empty(), "{panicked:?}: {case}");
            prop_assert!(took < TIME_LIMIT, "{took:?}: {case}");
            prop_assert!(used < MEMORY_BUDGET, "{} MiB: {case}", used >> 20);
            if took > slowest.borrow().0 {
                *slowest.borrow_mut() = (took, case.clone());
            }
            if used > hungriest.borrow().0 {
                *hungriest.borrow_mut() = (used, case);
            }
            Ok(())
        })
        .unwrap();
    let (took, case) = slowest.into_inner();
    println!("slowest {took:?}: {case}");
    let (used, case) = hungriest.into_inner();
    println!("most memory {} KiB: {case}", used >> 10);
}

/// The worst the limits allow, by construction rather than by chance: images declaring the
/// most pixels accepted, one with almost no data behind it, one with just enough to be
/// decoded in full.
#[test]
fn the_largest_accepted_declarations_stay_within_the_budget() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The largest square RGB image under the limit; the JPEG gets one bit per block of data.
    let side = (MAX_DECODED_BYTES as f64 / 3.0).sqrt() as u16;
    let blocks = usize::from(side.div_ceil(8)).pow(2);
    for (name, file) in [
        ("png", fixtures::png_bomb(side.into(), side.into())),
        (
            "jpeg",
            fixtures::hostile::padded_jpeg_bomb(side, side, blocks / 8 + 1),
        ),
    ] {
        let base = IN_USE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let started = Instant::now();
        let outcome = inspect(&file);
        let took = started.elapsed();
        let used = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        println!("{name}: {outcome:?} in {took:?}, {} MiB", used >> 20);
        assert!(took < WORST_CASE_TIME_LIMIT, "{name}: {took:?}");
        assert!(used < MEMORY_BUDGET, "{name}: {} MiB", used >> 20);
    }
}
