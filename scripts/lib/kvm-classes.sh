# Shared by lab/run-lab.sh and scripts/test.sh: which test classes need KVM, found in the sources by
# their annotation, so that nothing else has to list them.
#   @KvmTest              (core-vmm's test-jar) a class kvm-tests runs through lab/run-lab.sh
#   @WithRunningHotvisor  (itests) a class that drives a distribution started by scripts/run.sh
#   @LabVfioDevice        (core-vmm's test-jar) a @KvmTest class lab/run-lab.sh runs in an L1 with the VFIO NIC

# Prints "MODULE CLASS" for every test class under ROOT/*/src/test/java annotated with one of
# the given annotations (simple names), sorted.
kvm_test_classes() { # ROOT ANNOTATION...
    local root=$1 file rel
    shift
    local pattern
    pattern="^@($(IFS='|'; echo "$*"))\\b"
    (cd "$root" && grep -rlE "$pattern" --include='*.java' -- */src/test/java 2>/dev/null || true) | while IFS= read -r file; do
        rel=${file#*/src/test/java/}
        rel=${rel%.java}
        echo "${file%%/*} ${rel//\//.}"
    done | LC_ALL=C sort
}
