from seqguard.cli import main

main()
