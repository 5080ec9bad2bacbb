from retrorun.cli import main

main()
