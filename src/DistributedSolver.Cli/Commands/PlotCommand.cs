using System.CommandLine;
using DistributedSolver.Cli.Plotting;

namespace DistributedSolver.Cli.Commands;

/// <summary><c>dsolver plot</c>: loss and accuracy curves from a metrics JSON-lines file.</summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var metrics = new Argument<FileInfo>("metrics") { Description = "the *_metrics.jsonl file a training run wrote" };
        var output = new Option<FileInfo>("-o", "--output") { Description = "PNG to write", Required = true };
        var command = new Command("plot", "Draw loss and accuracy curves as a PNG") { metrics, output };
        command.SetAction(result => UserErrors.Run(() =>
        {
            string png = result.GetRequiredValue(output).FullName;
            MetricsPlot.Render(result.GetRequiredValue(metrics).FullName, png);
            Console.WriteLine($"wrote {png}");
            return 0;
        }));
        return command;
    }
}
