using Persistence.Writer;

return await WriterCli.RunAsync(args);
