from ftops.cli.app import main

main()
