using DistributedSolver.Keras;

namespace DistributedSolver.Tests.Keras;

/// <summary>The progress output in tf.keras's Progbar format, on a clock the test sets.</summary>
public sealed class ProgressBarTests
{
    private double _now;

    private ProgressBar Bar(int target, int verbose, StringWriter writer, bool dynamic) => new(target, verbose, writer, dynamic, () => _now);

    /// <summary>An epoch of 404 steps: the first at 0.5 s, then one every 967 µs.</summary>
    private void RunEpoch(ProgressBar bar)
    {
        for (int step = 1; step <= 404; step++)
        {
            _now = 0.5 + (step - 1) * 0.000967;
            bar.Update(step, [("loss", 5.34171f), ("mae", 1.62434f)]);
        }
    }

    [Fact]
    public void Verbose_1_ends_an_epoch_with_Kerass_line_and_writes_only_that_when_redirected()
    {
        var writer = new StringWriter();
        RunEpoch(Bar(404, verbose: 1, writer, dynamic: false));
        Assert.Equal("404/404 [==============================] - 1s 967us/step - loss: 5.3417 - mae: 1.6243\n", writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Verbose_2_writes_one_line_per_epoch()
    {
        var writer = new StringWriter();
        RunEpoch(Bar(404, verbose: 2, writer, dynamic: true));
        Assert.Equal("404/404 - 1s - loss: 5.3417 - mae: 1.6243\n", writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void On_a_terminal_the_bar_is_redrawn_in_place_with_an_eta()
    {
        var writer = new StringWriter();
        var bar = Bar(10, verbose: 1, writer, dynamic: true);
        for (int step = 1; step <= 3; step++)
        {
            _now = step;
            bar.Update(step, [("loss", 0.0005f)]);
        }
        // Three seconds in, one second a step after the first: 7 steps left take 7 s.
        Assert.EndsWith("\r 3/10 [========>.....................] - ETA: 7s - loss: 5.0000e-04", writer.ToString());
    }

    [Theory]
    [InlineData(0.5f, "0.5000")]
    [InlineData(-2.25f, "-2.2500")]
    [InlineData(0.001f, "0.0010")] // float32 0.001 is a little above 1e-3, as NumPy sees it too
    [InlineData(0.0009f, "9.0000e-04")]
    [InlineData(0f, "0.0000e+00")]
    public void Values_print_as_Keras_prints_them(float value, string printed) => Assert.Equal(printed, ProgressBar.Format(value));
}
