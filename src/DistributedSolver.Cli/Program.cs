// Temporary entry point so the CLI builds on the data branch; the real command line replaces it.
return 0;
